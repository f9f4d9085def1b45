// Every command, in the order `tsrunc --help` lists them.
import type { CommandSpec } from './flags.js';
import { command as create } from './create.js';
import { command as run } from './run.js';
import { command as start } from './start.js';
import { command as state } from './state.js';
import { command as kill } from './kill.js';
import { command as del } from './delete.js';
import { command as list } from './list.js';
import { command as spec } from './spec.js';
import { command as exec } from './exec.js';
import { command as features } from './features.js';
import { command as pause } from './pause.js';
import { command as resume } from './resume.js';
import { command as ps } from './ps.js';
import { command as update } from './update.js';
import { command as events } from './events.js';
import { checkpoint, restore } from './checkpoint.js';

// Each module types its own arguments; the parsers only see the tables.
export const COMMANDS = [create, run, start, state, kill, del, list, spec, pause, resume, ps, update, events, exec, features, checkpoint, restore] as unknown as readonly CommandSpec[];
