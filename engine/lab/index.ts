/** `kplay lab`: real test hosts (systemd-nspawn) on this machine. See docs/lab.md. */
export { labCommand, LAB_USAGE } from './command.ts';
export { upLab, downLab, cleanStaleLabs, type LabInfo, type UpOptions } from './lab.ts';
export { labSupported } from './support.ts';
export { ensureImage, type Image } from './image.ts';
