import type { RuntimeImage } from './continuous.js';

/** The fields of Docker's container documents (list entry or inspect) used here. */
export interface DockerContainerDoc {
  Id?: string;
  /** In a list entry: the image as given at creation. In inspect: the image ID. */
  Image?: string;
  Config?: { Image?: string } | null;
}

/** The fields of Docker's image inspect document used here. */
export interface DockerImageDoc {
  RepoDigests?: string[] | null;
  RepoTags?: string[] | null;
}

const IMAGE_ID = /^(?:sha256:)?[a-f0-9]{12,64}$/;

/**
 * What a Docker (or Podman, through its Docker API) container runs. The container gives the name
 * it was created from; the image inspect gives `RepoDigests`, the registry digests. Without the
 * image document the digests stay unknown and the verifier falls back to the tag.
 */
export function runtimeImageFromDocker(container: DockerContainerDoc, image?: DockerImageDoc): RuntimeImage {
  let name = container.Config?.Image ?? container.Image ?? '';
  // Created from an image ID: the image's own tags are the best name there is.
  if (IMAGE_ID.test(name)) name = image?.RepoTags?.[0] ?? image?.RepoDigests?.[0] ?? name;
  const out: RuntimeImage = { id: container.Id ?? '', image: name };
  if (image !== undefined) out.digests = image.RepoDigests ?? [];
  return out;
}

/** The fields of a Kubernetes Pod used here. */
export interface PodDoc {
  metadata?: { namespace?: string; name?: string };
  spec?: {
    containers?: { name: string; image?: string }[];
    initContainers?: { name: string; image?: string }[];
  };
  status?: {
    containerStatuses?: { name: string; image?: string; imageID?: string }[] | null;
    initContainerStatuses?: { name: string; image?: string; imageID?: string }[] | null;
  };
}

/**
 * One RuntimeImage per container of a pod, keyed `namespace/pod/container`. The status's `imageID`
 * (`docker-pullable://repo@sha256:...` or `repo@sha256:...`) is the digest the node pulled; before
 * the pull it is empty and the digest stays unknown.
 */
export function runtimeImagesFromPod(pod: PodDoc): RuntimeImage[] {
  const prefix = `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? '?'}`;
  const statuses = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
  const specs = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  return specs.map((c) => {
    const status = statuses.find((s) => s.name === c.name);
    const out: RuntimeImage = { id: `${prefix}/${c.name}`, image: c.image ?? status?.image ?? '' };
    if (status?.imageID !== undefined && status.imageID.includes('@')) out.digests = [status.imageID];
    return out;
  });
}
