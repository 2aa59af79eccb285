// Experiments end to end: train with generated code (train/) and draw the results (plot/). This
// layer sits above both, so plot/ can draw training runs without train/ depending on plot/.
export { runExperiment, trainWithGeneratedCode } from './experiment.ts';
export { runReluSgdSample, readSampleConfig } from './sample.ts';
