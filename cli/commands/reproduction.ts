import { reproductionMarkdown } from '../../lib/reproduction/markdown';
import { buildReproduction } from '../../lib/reproduction/service';
import type { TCommand } from '../framework';

export const reproduction: TCommand = {
  name: 'reproduction',
  summary: "Print the reproduction of HierarchicalPrune's finding on the shapes model (the table, the paired comparisons, what they say) as Markdown.",
  options: {
    json: { type: 'boolean', description: 'print the whole reproduction as JSON instead' },
    images: { type: 'boolean', description: 'with --json: include the sample images as data URIs' },
  },
  details: 'Reads the configured database (DATABASE_URL): what npm start has built so far; /reproduction shows the same numbers.',
  async run({ values }) {
    const data = await buildReproduction({ images: Boolean(values.json && values.images) });
    process.stdout.write(values.json ? `${JSON.stringify(data, null, 2)}\n` : reproductionMarkdown(data).replace(/\n*$/, '\n'));
    return 0;
  },
};
