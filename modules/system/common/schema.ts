/** Schema pieces shared by the file-like modules, so every one documents them the same way. */
import { Type } from '@sinclair/typebox';

export const modeSchema = Type.Union([Type.String(), Type.Integer()], {
  description: "Permissions: octal string '0644' (quote it in YAML), or symbolic like chmod 'u+rwx,g-w'.",
});
export const ownerSchema = Type.Union([Type.String(), Type.Integer()], { description: 'Owner: a user name or a numeric uid.' });
export const groupSchema = Type.Union([Type.String(), Type.Integer()], { description: 'Group: a group name or a numeric gid.' });

/** The options of the modules that edit a text file in place (lineinfile, blockinfile). */
export const fileEditOptions = {
  create: Type.Optional(Type.Boolean({ description: 'Create the file when missing (otherwise the task fails).', default: false })),
  backup: Type.Optional(Type.Boolean({ description: 'Keep the old file as PATH.<timestamp>~.', default: false })),
  validate: Type.Optional(Type.String({ description: 'Command run on the new file before it replaces path; %s is the temp file.' })),
  mode: Type.Optional(modeSchema),
  owner: Type.Optional(ownerSchema),
  group: Type.Optional(groupSchema),
};
