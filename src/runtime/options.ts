// Options every command shares (runc's global flags), passed down from the CLI.
export interface GlobalOptions {
  root: string;
  systemdCgroup: boolean;
  rootless: boolean;
  debug: boolean;
}
