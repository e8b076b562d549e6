/** Finding files the playbook refers to: static paths, role directories, files/ and templates/. */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { isTemplate, renderValue } from '../template/render.ts';
import type { LoadContext } from './context.ts';

/** A path known at load time: templates are rendered with extra vars; undefined when still dynamic. */
export function staticPath(value: string, ctx: LoadContext): string | undefined {
  if (!isTemplate(value)) return value;
  try {
    const rendered = renderValue(value, ctx.extraVars);
    return typeof rendered === 'string' && !isTemplate(rendered) ? rendered : undefined;
  } catch {
    return undefined;
  }
}

export function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

export function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The first existing file among `name` resolved against each directory. */
export function findIn(name: string, dirs: string[]): string | undefined {
  if (isAbsolute(name)) return existsSync(name) ? name : undefined;
  for (const d of dirs) {
    const p = resolve(d, name);
    if (isFile(p)) return p;
  }
  return undefined;
}

/** `dir/base.yml` or `dir/base.yaml` (or `dir/base` when it already has an extension). */
export function yamlFileIn(dir: string, base: string): string | undefined {
  for (const candidate of /\.ya?ml$/.test(base) ? [base] : [`${base}.yml`, `${base}.yaml`, base]) {
    const p = join(dir, candidate);
    if (isFile(p)) return p;
  }
  return undefined;
}
