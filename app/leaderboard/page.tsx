export const metadata = { title: 'Leaderboard' };

export default function LeaderboardPage() {
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-semibold">Leaderboard</h1>
      <div className="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center text-slate-600">
        No model has been evaluated yet. Each model variant will appear here with its parameters, memory, latency,
        GenEval and HPS scores and human rating, each with its interval and count.
      </div>
    </div>
  );
}
