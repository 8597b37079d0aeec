import type { TLeaderboardData } from '@/lib/leaderboard/types';

/** How every number of the leaderboard is made: each cell links to its paragraph here. */
export function HowNumbersAreMade({ data }: { data: TLeaderboardData }) {
  return (
    <section className="space-y-3 rounded-lg border border-slate-200 bg-white p-5 text-sm text-slate-700" aria-labelledby="how-title">
      <h2 id="how-title" className="text-lg font-semibold text-slate-900">How these numbers are made</h2>
      <p id="how-memory">
        <strong>Memory</strong> is the bytes of the model&apos;s weights as stored (denoiser and encoders; INT4 weights at their packed size with their scales). <strong>Params</strong> counts every weight.
      </p>
      <p id="how-latency">
        <strong>Latency</strong> is the median time per image of the variant&apos;s latest generation run (text encoding, every denoiser step with classifier-free guidance, VAE decoding), with the execution provider and the hardware it ran on. Compare latencies only on the same hardware (filter by hardware above).
      </p>
      <p id="how-geneval">
        <strong>GenEval</strong> follows its official protocol on the variant&apos;s latest scored run: object detection, counting, colours and positions judged per image, the share of correct images per task, overall the mean of the six tasks; the interval is a 95% bootstrap over prompts, and n the number of images. &ldquo;fixture&rdquo; marks scores from the built-in random-weight detector, which only show that the pipeline runs. &ldquo;shapes world&rdquo; marks scores of the built-in shapes model on the shapes world&apos;s 87 prompts, judged by that world&apos;s exact detector: they compare its variants with each other, not with GenEval on real models.
      </p>
      <p id="how-hps">
        <strong>HPS</strong> is 100 x the cosine between a CLIP-style scorer&apos;s image and prompt embeddings (HPSv2 when such weights are configured), with the scorer version; v2.0 and v2.1 are never compared.
      </p>
      <p id="how-human">
        <strong>Human rating</strong>: {data.human.method} The rating is on the Chatbot Arena scale (400/ln 10 per logit, mean 1000); rank = 1 + the number of variants whose interval lies entirely above. {data.human.votes} votes so far.
      </p>
      <p id="how-degradation">
        <strong>Degradation</strong> is the share of votes that preferred the parent over the compressed variant when the two were compared directly (ties half), with a 95% Wilson interval, as the HierarchicalPrune paper reports its user study; 50% means people could not tell them apart.
      </p>
      {data.human.warnings.length > 0 && (
        <ul className="list-disc pl-5 text-amber-800" data-testid="human-warnings">
          {data.human.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
