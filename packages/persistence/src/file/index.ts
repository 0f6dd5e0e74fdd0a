export { type FileSystem, fileStorage, nodeFileSystem, tauriFileSystem } from './file';
