export { createDiffer, type Differ, type DifferOptions } from './differ.js';

export { inlineAnalyser, threadAnalyser, type Analyser, type ThreadAnalyserOptions } from './analysis/analyser.js';
export { analyse } from './analysis/analyse.js';
