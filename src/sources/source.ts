// What the appliance needs from an input source, whichever it is (files or the Kubernetes API).
import type { StoredObject } from "../store/types.ts";
import type { Problem } from "../validate/problems.ts";
import type { SourceStatus } from "../server/status-types.ts";

export interface Source {
  /** Starts reading; calls onChange (any number of times, possibly coalesced) when objects change. */
  start(onChange: () => void): Promise<void>;
  /** The objects in force: the last good version of each. */
  objects(): StoredObject[];
  /** Current input problems (parse, validation), for logs and /status. */
  problems(): Problem[];
  state(): SourceStatus;
  /** Node labels when the source knows them better than the config (Kubernetes: the Node object). */
  nodeLabels?(): Record<string, string> | undefined;
  /** This node's addresses when the source knows them (Kubernetes: the Node object's). */
  nodeAddresses?(): string[] | undefined;
  stop(): Promise<void>;
}
