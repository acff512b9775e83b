import { STORIES } from './stories/index.js';

/** The stories `generateScenario` can play, in its default order. */
export const STORY_NAMES: readonly string[] = [...STORIES.keys()];
