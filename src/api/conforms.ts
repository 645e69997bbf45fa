// Compile-time proof that a hand-written TypeScript view of a JSON document is the document that
// edgegate's .proto files (proto/edgegate/...) describe, by comparing it with protobuf-es's
// generated proto3 JSON type (`FooJson`, src/gen). The views stay hand-written because they say
// more than proto3 JSON can: which fields are always present (every field of a generated JSON type
// is optional), string unions such as "sotw" | "delta" (a proto enum would be spelled SOTW in
// JSON), and plain numbers (a generated double also admits "NaN"). What the proto does fix, the
// field names, their nesting and their JSON value types, is checked here in both directions, so a
// field added on either side without the other fails the typecheck with the path that differs.
import type { JsonValue } from "@bufbuild/protobuf";

type Leaf = string | number | boolean | bigint;

/**
 * The paths (".envoy.phase: ...") where view V and wire type W disagree; never when they agree.
 * null and undefined are ignored on both sides: proto3 JSON reads null as "not set".
 */
export type Mismatches<V, W, P extends string = ""> = MismatchesOf<NonNullable<V>, NonNullable<W>, P>;

// W is wrapped in [ ] wherever it is tested so that a union such as number | "NaN" is compared
// whole rather than member by member; V is compared member by member (each must fit).
type MismatchesOf<V, W, P extends string> =
  // A string index: google.protobuf.Struct (free-form JSON, nothing more to compare) or a map.
  string extends keyof W
    ? W extends { [k: string]: infer X }
      ? JsonValue extends X
        ? V extends object
          ? never
          : `${P}: not an object`
        : MapMismatches<V, X, P>
      : never
    : V extends Leaf
      ? [W] extends [Leaf]
        ? [V] extends [W]
          ? never
          : `${P}: a different scalar type`
        : `${P}: a scalar in the view, not in the proto`
      : V extends ReadonlyArray<infer VI>
        ? [W] extends [ReadonlyArray<infer WI>]
          ? Mismatches<VI, WI, `${P}[]`>
          : `${P}: a list in the view, not in the proto`
        : [W] extends [ReadonlyArray<unknown>]
          ? `${P}: a list in the proto, not in the view`
          : V extends object
            ? [W] extends [Leaf]
              ? `${P}: an object in the view, not in the proto`
              : ObjectMismatches<V, W, P>
            : `${P}: not JSON`;

// A proto map<string, X>: the view must be a string-keyed record of the same values (a
// Record<"lds" | "rds", X> counts: its keys are a subset of string).
type MapMismatches<V, X, P extends string> = V extends { [k: string]: infer VX } ? Mismatches<VX, X, `${P}{}`> : `${P}: a map in the proto, not in the view`;

type ObjectMismatches<V, W, P extends string> =
  | { [K in keyof V & string]-?: K extends keyof W ? Mismatches<V[K], W[K], `${P}.${K}`> : `${P}.${K}: not in the proto` }[keyof V & string]
  | { [K in keyof W & string]-?: K extends keyof V ? never : `${P}.${K}: not in the view` }[keyof W & string];

/** `type _ = Conforms<Mismatches<View, FooJson>>` fails to compile, naming the paths, when they differ. */
export type Conforms<M extends never> = M;
