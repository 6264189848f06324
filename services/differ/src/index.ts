export { createDiffer, type Differ, type DifferOptions } from './differ.js';

