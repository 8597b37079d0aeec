import Link from 'next/link';
import type { TLeaderboardData } from '@/lib/leaderboard/types';
import { formatNumber, formatPercent } from '@/lib/charts/format';
import { Heatmap } from '../_components/charts/heatmap';
import { IntervalChart } from '../_components/charts/interval-chart';
import { intervalItems, shortLabels } from '../_components/charts/leaderboard-points';
import { defaultMetric, METRIC_INFO, parseMetric, QUALITY_METRICS, type TQualityMetric } from '../_components/charts/metrics';
import { ParetoChart } from '../_components/charts/pareto-chart';
import { VotesOverTime } from '../_components/charts/votes-over-time';

type TQuery = Record<string, string | string[] | undefined>;

/**
 * The leaderboard's charts, server-rendered: quality against memory and against time per image
 * (the quality measure picked with ?metric=), human ratings and GenEval with their intervals, who
 * beats whom, and how the votes came in. Each chart carries its numbers as a table.
 */
export function Dashboards({
  data,
  metric,
  query = {},
}: {
  data: TLeaderboardData;
  /** the page's ?metric= value: 'human' | 'geneval' | 'hps'; anything else shows the default */
  metric?: string | string[] | null;
  /** the page's other query parameters, kept by the metric links */
  query?: TQuery;
}) {
  const m = parseMetric(metric ?? undefined) ?? defaultMetric(data.rows);
  const info = METRIC_INFO[m];
  const { winRates } = data.human;
  const labels = shortLabels(data.rows);
  const pairLabels = winRates.variants.map((id, i) => labels.get(id) ?? winRates.names[i] ?? id);
  const pairNames = winRates.variants.map((id, i) => winRates.names[i] ?? id);

  return (
    <section id="charts" aria-labelledby="charts-heading" className="space-y-4">
      <h2 id="charts-heading" className="text-lg font-semibold">
        Charts
      </h2>
      <div className="flex flex-wrap items-center gap-x-3 gap-y-2 text-sm">
        <span className="text-slate-600">Quality on the trade-off charts:</span>
        <MetricTabs current={m} query={query} />
      </div>
      <div className="grid gap-6 lg:grid-cols-2">
        <Card>
          <ParetoChart
            testId="chart-pareto-memory"
            rows={data.rows}
            cost="memory"
            metric={m}
            description="Each mark is a model variant: further left needs less memory, higher is better. The diamonds joined by the line are the best trade-offs."
          />
        </Card>
        <Card>
          <ParetoChart
            testId="chart-pareto-latency"
            rows={data.rows}
            cost="latency"
            metric={m}
            description="Further left makes an image faster, higher is better. The diamonds are the variants nothing else is both faster and better than."
          />
        </Card>
        <Card>
          <IntervalChart
            testId="chart-ratings"
            title="Human ratings"
            description="How much people prefer each variant, from their side-by-side choices. Where two lines overlap, the votes cannot yet tell those two apart."
            items={intervalItems(data.rows, 'human')}
            metricLabel={METRIC_INFO.human.label}
            axisTitle="Rating (Arena scale)"
            digits={METRIC_INFO.human.digits}
            noun="votes"
            emptyText="No human ratings yet: they appear once a study has votes."
            footer={
              <div className="space-y-1 text-xs text-slate-500">
                <p>
                  {formatNumber(data.human.votes)} votes. {data.human.method}
                </p>
                {data.human.warnings.length > 0 && (
                  <ul className="list-disc space-y-0.5 pl-4 text-amber-800" aria-label="Warnings about the ratings">
                    {data.human.warnings.map((w) => (
                      <li key={w}>{w}</li>
                    ))}
                  </ul>
                )}
              </div>
            }
          />
        </Card>
        <Card>
          <IntervalChart
            testId="chart-geneval"
            title="GenEval"
            description={`The ${METRIC_INFO.geneval.plain}; higher is better.`}
            items={intervalItems(data.rows, 'geneval')}
            metricLabel={METRIC_INFO.geneval.label}
            axisTitle="GenEval overall"
            digits={METRIC_INFO.geneval.digits}
            noun="images"
            emptyText="No GenEval scores yet: they appear once a variant's GenEval images are generated and scored."
          />
        </Card>
        <Card>
          <Heatmap
            testId="chart-winrate"
            title="Who beats whom"
            description="How often people chose the row's variant over the column's (ties count half). Blue: the row wins more often, orange: the column does, grey: never compared."
            counts={`${pairLabels.length} variants · ${formatNumber(data.human.votes)} votes · the number over each column is the row of the same variant`}
            rowLabels={pairLabels.map((l, i) => `${i + 1}. ${l}`)}
            colLabels={pairNames}
            colShort={pairLabels.map((_, i) => `${i + 1}`)}
            values={winRates.winRate}
            cellCounts={winRates.votes}
            scale={{ scheme: 'diverging', domain: [0, 1], midpoint: 0.5 }}
            format={(v) => formatPercent(v)}
            cellTitle={(i, j, v, n) =>
              i === j
                ? `${pairNames[i]}: the same variant`
                : v === null
                  ? `${pairNames[i]} and ${pairNames[j]} have not been compared yet`
                  : `${pairNames[i]} was chosen over ${pairNames[j]} in ${formatPercent(v)} of ${formatNumber(n ?? 0)} votes`
            }
            rowTitle="Row variant"
            colTitle="against the column's"
            keyLow="column preferred"
            keyHigh="row preferred"
            emptyText="No votes yet: the matrix fills in as people compare variants."
          />
        </Card>
        <Card>
          <VotesOverTime testId="chart-votes-over-time" points={data.human.votesOverTime} description="Human votes counted so far, by the day they were given." />
        </Card>
      </div>
      <p className="text-xs text-slate-500">
        {info.label} on the trade-off charts: {info.plain}.
      </p>
    </section>
  );
}

function Card({ children }: { children: React.ReactNode }) {
  return <div className="min-w-0 rounded-lg border border-slate-200 bg-white p-3 sm:p-4">{children}</div>;
}

/** Plain links, so that the server renders the chosen metric; other query parameters (filters) are kept. */
function MetricTabs({ current, query }: { current: TQualityMetric; query: TQuery }) {
  const href = (metric: TQualityMetric) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (k === 'metric' || v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) params.append(k, one);
    }
    params.set('metric', metric);
    return `?${params.toString()}`;
  };
  return (
    <nav aria-label="Quality measure on the trade-off charts">
      <ul className="flex gap-1 rounded-lg bg-slate-100 p-1">
        {QUALITY_METRICS.map((k) => (
          <li key={k}>
            <Link
              href={href(k)}
              scroll={false}
              aria-current={k === current ? 'true' : undefined}
              data-testid={`metric-${k}`}
              className={
                k === current
                  ? 'block rounded-md bg-white px-3 py-1.5 font-medium text-slate-900 shadow-sm'
                  : 'block rounded-md px-3 py-1.5 text-slate-600 hover:bg-white/60 hover:text-slate-900'
              }
            >
              {METRIC_INFO[k].label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
