import type { Executor, ExecutorShape } from './executor.ts';
import { httpRunbookExecutor } from './http-runbook.ts';
import { replaceInstanceExecutor } from './replace-instance.ts';
import { scaleAsgExecutor } from './scale-asg.ts';

// The complete list of things this bot can ever do to infrastructure. Policy chooses
// among these by kind; an unknown kind is a policy error at load time.
const executors: Executor<any>[] = [scaleAsgExecutor, replaceInstanceExecutor, httpRunbookExecutor];

export const executorRegistry: ReadonlyMap<string, Executor<unknown>> = new Map(executors.map((e) => [e.kind, e]));
export const executorKinds: readonly string[] = [...executorRegistry.keys()];
/** What each executor asks of its policy declaration, for the loader's checks. */
export const executorShapes: Readonly<Record<string, ExecutorShape>> = Object.fromEntries(executors.map((e) => [e.kind, { targets: e.targets, runbook: e.runbook }]));
