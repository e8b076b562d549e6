/** Schema pieces shared by the file-like modules, so every one documents them the same way. */
import { Type } from '@sinclair/typebox';

export const modeSchema = Type.Union([Type.String(), Type.Integer()], {
  description: "Permissions: octal string '0644' (quote it in YAML), or symbolic like chmod 'u+rwx,g-w'.",
});
export const ownerSchema = Type.Union([Type.String(), Type.Integer()], { description: 'Owner: a user name or a numeric uid.' });
export const groupSchema = Type.Union([Type.String(), Type.Integer()], { description: 'Group: a group name or a numeric gid.' });
