/** system modules: files, commands, services, kernel settings, accounts, packages, waiting and HTTP. */
import type { AnyModule } from '../api.ts';
import { blockinfile } from './blockinfile.ts';
import { command } from './command.ts';
import { copy } from './copy.ts';
import { file } from './file.ts';
import { group } from './group.ts';
import { hostname } from './hostname.ts';
import { ip_route } from './ip_route.ts';
import { lineinfile } from './lineinfile.ts';
import { modprobe } from './modprobe.ts';
import { apt, dnf, packageModule } from './package.ts';
import { service } from './service.ts';
import { shell } from './shell.ts';
import { sysctl } from './sysctl.ts';
import { systemd, systemd_service } from './systemd.ts';
import { template } from './template.ts';
import { uri } from './uri.ts';
import { user } from './user.ts';
import { wait_for } from './wait-for.ts';

export const systemModules: Record<string, AnyModule> = {
  apt,
  blockinfile,
  command,
  copy,
  dnf,
  file,
  group,
  hostname,
  ip_route,
  lineinfile,
  modprobe,
  package: packageModule,
  service,
  shell,
  sysctl,
  systemd,
  systemd_service,
  template,
  uri,
  user,
  wait_for,
};
