// The ReLU-SGD experiment of EECS 189 DIS7 on chainrule's generated gradient code: data, network,
// kernels and SGD. Running it and drawing it are in experiment/, which uses train/ and plot/.
export { TARGETS, TARGET_NAMES, sampleDataset } from './data.ts';
export type { Dataset, Target, TargetName } from './data.ts';
export { NETWORK_SOURCE, NETWORK_WHERE, Network, elbow, slope, initialParams } from './network.ts';
export type { Params } from './network.ts';
export { generatedKernel, referenceKernel } from './kernels.ts';
export type { LossKernel } from './kernels.ts';
export { DEFAULT_CONFIG, train, trainingConfig } from './sgd.ts';
export type { Snapshot, TrainingConfig, TrainingRun } from './sgd.ts';
export { measureGradientCost, growthExponent } from './gradient-cost.ts';
