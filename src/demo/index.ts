export { generateScenario } from './scenario.js';
export { STORY_NAMES } from './names.js';
export { writeScenario, type TruthFile, type WrittenFile } from './write.js';
export type { DemoEvent, Layer, Scenario, ScenarioOptions, StoryTruth, TelemetryGap } from './model.js';
export { TruthLabels } from './labels.js';
export { demoMailPolicy, type DemoMailPolicy } from './mail/office.js';
export { analyzeJournal } from './mail/journal.js';
