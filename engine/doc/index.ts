/** Module documentation from schemas: terminal (`kplay doc`) and Markdown (docs/modules.md). */
export { renderModuleDoc, listModules } from './render.ts';
export { renderModulesMarkdown, renderModuleMarkdown } from './markdown.ts';
export { writeModulesMarkdown } from './generate.ts';
export { schemaOptions, schemaType, type OptionDoc } from './options.ts';
