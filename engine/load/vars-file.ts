/** YAML variable files (vars_files, role defaults/ and vars/): a mapping, errors located. */
import { KplayError, KplayErrors, type SourceLoc } from '../errors.ts';
import type { Vars } from '../playbook/model.ts';
import { isFile } from './paths.ts';
import { readYamlFile } from './yaml.ts';
import { nodeLoc } from './yaml-positions.ts';

/** Read a vars file; errors are returned, never thrown. */
export function readVarsFile(file: string, refLoc?: SourceLoc): { vars: Vars; errors: KplayError[] } {
  if (!isFile(file)) return { vars: {}, errors: [new KplayError('KPLAY_FILE_NOT_FOUND', `vars file not found: ${file}`, { loc: refLoc })] };
  const parsed = readYamlFile(file);
  if (parsed.value === undefined || parsed.value === null) return { vars: {}, errors: parsed.errors };
  if (typeof parsed.value !== 'object' || Array.isArray(parsed.value)) {
    return {
      vars: {},
      errors: [...parsed.errors, new KplayError('KPLAY_SCHEMA', 'a vars file must be a mapping of variable names to values', { loc: nodeLoc(parsed.value) ?? { file, line: 1, col: 1 } })],
    };
  }
  return { vars: parsed.value as Vars, errors: parsed.errors };
}

/** Public: a YAML vars file as a mapping; throws KplayErrors (all of them) with locations. */
export function loadVarsFile(path: string): Vars {
  const { vars, errors } = readVarsFile(path);
  if (errors.length > 0) throw new KplayErrors(errors);
  return vars;
}
