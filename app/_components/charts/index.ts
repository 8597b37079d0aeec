export { Heatmap } from './heatmap';
export { IntervalChart, type TIntervalItem } from './interval-chart';
export { intervalItems, paretoPoints, shortLabels, type TChartPoint, type TCost } from './leaderboard-points';
export { defaultMetric, METRIC_INFO, metricOf, parseMetric, QUALITY_METRICS, type TQualityMetric } from './metrics';
export { ParetoChart } from './pareto-chart';
export { sensitivityGrid, type TSensitivityEntry } from './sensitivity';
export { VotesOverTime } from './votes-over-time';
