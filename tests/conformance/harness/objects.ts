// The minimal object shape the harness reads from loaded inputs (a subset of store/types.ts
// KubeObject, declared here so the harness type-checks before the pipeline exists).
export interface KubeObjectLike {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    generation?: number;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}
