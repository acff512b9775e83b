export * from './posture/index.js';
export {
  DockerClient,
  DockerApiError,
  parseDockerEndpoint,
  readLines,
  type ContainerSummary,
  type DockerEndpoint,
  type DockerEvent,
  type EventOptions,
} from './docker-api.js';
