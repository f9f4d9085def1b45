// Options every command shares (runc's global flags), passed down from the CLI.
export interface GlobalOptions {
  root: string;
  systemdCgroup: boolean;
  /** --rootless resolved (runc's rule for auto): cgroup permission problems are forgiven when no limits are set. */
  rootless: boolean;
  debug: boolean;
}
