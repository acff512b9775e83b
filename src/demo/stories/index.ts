import { bec } from './bec.js';
import { containerEscape } from './container-escape.js';
import type { Story } from './kit.js';
import { ngrok } from './ngrok.js';
import { phishing } from './phishing.js';
import { ransomware } from './ransomware.js';
import { vpnInstaller } from './vpn-installer.js';
import { waterbear } from './waterbear.js';

export { CastingError, type Story, type StoryKit, type StoryResult } from './kit.js';

/** Every story, by name, in the order `vigil demo` plays them by default. */
export const STORIES: ReadonlyMap<string, Story> = new Map(
  [vpnInstaller, ngrok, ransomware, waterbear, containerEscape, bec, phishing].map((s) => [s.name, s]),
);
