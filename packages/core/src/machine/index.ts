export { createRevisionSync } from './engine';
