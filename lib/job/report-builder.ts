// SPDX-License-Identifier: MIT
/**
 * Collects what the job shows a person: the pictures (SVG and PNG, rendered as the steps reach
 * them) and the sections of index.html, written when the run finishes. With plots off it only
 * keeps quiet.
 */
import type { Frame } from './frame';
import type { FitResult } from './fit';
import type { Evaluation } from './evaluate';
import type { JobData } from './source';
import type { Prepared } from './prepare';
import type { Tensor } from '../tensor/tensor';
import {
  classBalancePlot,
  confusionMatrixPlot,
  featureDistributions,
  learningCurves,
  regressionScatter,
  rocCurvePlot,
  writeChart,
  Chart,
} from './plots';
import { writeReport, ReportSection } from './report';

export class ReportBuilder {
  private readonly sections: ReportSection[] = [];

  constructor(
    private readonly dir: string,
    private readonly enabled: boolean,
    private readonly title: string,
  ) {}

  section(heading: string, text: string, images: string[] = []): void {
    this.sections.push({ heading, text, images: images.map((name) => ({ file: `${name}.svg`, alt: name.replace(/_/g, ' ') })) });
  }

  table(heading: string, columns: string[], rows: (string | number)[][]): void {
    this.sections.push({ heading, table: { columns, rows } });
  }

  private async draw(...charts: Chart[]): Promise<string[]> {
    for (const c of charts) writeChart(this.dir, c);
    return charts.map((c) => c.name);
  }

  async dataPictures(data: JobData, frame: Frame): Promise<void> {
    if (!this.enabled) return;
    const labels = frame.task === 'classification' ? data.y : data.y.map(() => 0);
    const classNames = frame.task === 'classification' ? data.classNames : ['all rows'];
    const charts = [await featureDistributions(data.features, data.featureNames, labels, classNames)];
    if (frame.task === 'classification')
      charts.push(await classBalancePlot(frame.classNames.map((className, i) => ({ className, count: frame.classCounts[i] }))));
    const names = await this.draw(...charts);
    this.section('2. Get and visualize the data', `${data.table.rows} rows, ${data.featureNames.length} features, target '${data.target}' (${data.source})`, names);
  }

  async learningCurves(result: FitResult, frame: Frame, name = 'learning_curves'): Promise<void> {
    if (!this.enabled) return;
    const history = result.history.map((h) => ({ ...h, metricName: frame.metric }));
    const names = await this.draw(await learningCurves(history, { name, bestEpoch: result.bestEpoch }));
    const heading = name === 'learning_curves' ? '5. Train' : '6. Tune: the best trial retrained';
    this.section(heading, `best epoch ${result.bestEpoch} of ${result.history.length}; its weights were kept`, names);
  }

  async evaluation(frame: Frame, evaluation: Evaluation, metricRows: string[][], prep: Prepared, data: JobData, outputs: Tensor): Promise<void> {
    this.table('7. Evaluate on the held-out test split', ['metric', 'test'], metricRows);
    if (!this.enabled) return;
    const charts: Chart[] = [];
    if (evaluation.roc && evaluation.roc.length) charts.push(await rocCurvePlot(evaluation.roc));
    if (evaluation.confusion) charts.push(await confusionMatrixPlot(evaluation.confusion, frame.classNames));
    if (frame.task === 'regression') {
      const back = (v: number) => v * prep.targetScale.std + prep.targetScale.mean;
      const yPred = (outputs.toArray() as number[][]).map((r) => back(r[0]));
      charts.push(await regressionScatter(prep.indices.test.map((i) => data.y[i]), yPred));
    }
    const names = await this.draw(...charts);
    this.section('Test-split pictures', '', names);
  }

  async finish(): Promise<void> {
    if (!this.enabled) return;
    writeReport(this.dir, { title: this.title, sections: this.sections });
  }
}
