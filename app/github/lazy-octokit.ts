import { ProbotOctokit } from "probot";

/*
 * Probot builds an installation's client for every webhook event (`context.octokit`) before any
 * handler runs. The App's handlers only record jobs and never call GitHub, yet building the client
 * (REST methods, plugins, hooks) took about a tenth of the server's CPU per delivery, and it stayed
 * alive while the delivery waited for its durable write. Here an installation's client is built
 * when something first uses it: a handler that calls GitHub gets the same client as before.
 */

type OctokitClass = typeof ProbotOctokit;
type Hook = InstanceType<OctokitClass>["hook"];
type HookKind = "before" | "after" | "error" | "wrap";

/** `Base`, whose installation clients are built on first use. */
export function lazyInstallationOctokit(Base: OctokitClass = ProbotOctokit): OctokitClass {
  // A proxy of the class rather than a subclass: Probot derives its own class from it (`defaults`),
  // whose constructor gets whatever this one answers.
  return new Proxy(Base, {
    construct(target, args, newTarget) {
      const auth = (args[0] as { auth?: { installationId?: unknown } } | undefined)?.auth;
      if (auth?.installationId === undefined) return Reflect.construct(target, args, newTarget);
      return onFirstUse(() => Reflect.construct(target, args, newTarget), newTarget.prototype);
    },
  });
}

function onFirstUse(build: () => object, prototype: object): InstanceType<OctokitClass> {
  let client: Record<PropertyKey, unknown> | undefined;
  // What Probot's Context does to every event's client before a handler runs: a symbol marking the
  // client and a request hook adding the delivery id. Both are replayed onto the client when it is built.
  const marks = new Map<PropertyKey, unknown>();
  const hooks: Array<[HookKind, string, (...args: never[]) => unknown]> = [];
  const real = () => {
    if (!client) {
      client = build() as Record<PropertyKey, unknown>;
      for (const [key, value] of marks) client[key] = value;
      for (const [kind, name, fn] of hooks) hookOf(client)[kind](name, fn);
    }
    return client;
  };
  const recorder = Object.fromEntries(
    (["before", "after", "error", "wrap"] as const).map((kind) => [
      kind,
      (name: string, fn: (...args: never[]) => unknown) => {
        if (client) hookOf(client)[kind](name, fn);
        else hooks.push([kind, name, fn]);
      },
    ]),
  ) as unknown as Hook;
  return new Proxy(Object.create(prototype) as object, {
    get(_, key) {
      if (client) return client[key];
      if (typeof key === "symbol") return marks.get(key);
      // `await` asks every value for `then`; a client has none, and asking must not build it.
      if (key === "then") return undefined;
      if (key === "hook") return recorder;
      return real()[key];
    },
    set(_, key, value) {
      if (!client && typeof key === "symbol") marks.set(key, value);
      else real()[key] = value;
      return true;
    },
    has: (_, key) => key in real(),
    ownKeys: () => Reflect.ownKeys(real()),
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(real(), key);
      // The proxy's target has none of the client's properties: reported as configurable, as they are there.
      return descriptor ? { ...descriptor, configurable: true } : undefined;
    },
    defineProperty: (_, key, descriptor) => Reflect.defineProperty(real(), key, descriptor),
    deleteProperty: (_, key) => Reflect.deleteProperty(real(), key),
    getPrototypeOf: () => prototype,
  }) as InstanceType<OctokitClass>;
}

const hookOf = (client: Record<PropertyKey, unknown>) =>
  client.hook as Record<HookKind, (name: string, fn: unknown) => void>;
