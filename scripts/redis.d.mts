export interface RedisProcess {
  readonly port: number;
  readonly url: string;
  /** Kills the server (SIGKILL: no shutdown save, like a crash). */
  stop(): Promise<void>;
  /** Starts an empty server on the same port after `stop()`. */
  start(): Promise<void>;
  /** `stop()` then `start()`: the data is gone. */
  restart(): Promise<void>;
}
export function startRedis(): Promise<RedisProcess>;
