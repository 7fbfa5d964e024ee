import type { Executor } from './executor.ts';
import { scaleAsgExecutor } from './scale-asg.ts';

// The complete list of things this bot can ever do to infrastructure. Policy chooses
// among these by kind; an unknown kind is a policy error at load time.
const executors: Executor<any>[] = [scaleAsgExecutor];

export const executorRegistry: ReadonlyMap<string, Executor<unknown>> = new Map(executors.map((e) => [e.kind, e]));
export const executorKinds: readonly string[] = [...executorRegistry.keys()];
