import { postureOfDockerInspect } from '../../containers/posture/index.js';
import { postureEvents, trustEvent } from '../../containers/watch/events.js';
import type { JsonObject } from '../../ingest/types.js';
import type { Rng } from '../prng.js';
import type { Timeline } from '../timeline.js';
import type { Host } from '../world.js';

export interface Container {
  readonly host: Host;
  readonly id: string;
  readonly name: string;
  readonly image: string;
}

/**
 * Sensors that send flat ECS-style documents: Docker Engine events as a collector forwards them
 * (the Engine's own fields, plus host and container fields in ECS names), and a network sensor's
 * connection and DNS logs (Zeek, as shippers map it to ECS).
 */
export class FlatSensors {
  constructor(
    private readonly timeline: Timeline,
    private readonly r: Rng,
    readonly label: string | null,
    private readonly observer: string,
  ) {}

  private add(at: number, layer: 'container' | 'network', host: string, record: JsonObject): void {
    this.timeline.add({ time: at, layer, story: this.label, record, host, channel: null, eventId: null });
  }

  container(host: Host, image: string, name: string): Container {
    return { host, id: this.r.hex(64), name, image };
  }

  /** A Docker Engine event (`docker events --format '{{json .}}'`) for a container. */
  docker(at: number, c: Container, action: 'create' | 'start' | 'die' | 'destroy', exitCode?: number): void {
    const attributes: JsonObject = { image: c.image, name: c.name };
    if (exitCode !== undefined) attributes.exitCode = String(exitCode);
    this.add(at, 'container', c.host.name, {
      '@timestamp': new Date(at).toISOString(),
      'host.name': c.host.name,
      'event.module': 'docker',
      'event.action': action,
      'container.id': c.id,
      'container.name': c.name,
      'container.image.name': c.image,
      status: action,
      id: c.id,
      from: c.image,
      Type: 'container',
      Action: action,
      Actor: { ID: c.id, Attributes: attributes },
      scope: 'local',
      time: Math.floor(at / 1000),
    });
  }

  /**
   * What Vigil's container watcher reports when it sees the container created: the findings of the
   * real posture checks on its inspect document, and the trust verdict of its image.
   */
  watched(
    at: number,
    c: Container,
    hostConfig: JsonObject,
    verdict: { status: 'unsigned' | 'verified'; reason: string },
  ): void {
    const inspect = {
      Id: c.id,
      Name: `/${c.name}`,
      Config: { Image: c.image, User: '' },
      HostConfig: hostConfig,
    };
    const container = { id: c.id, name: c.name, image: c.image, digest: '', runtime: 'docker' };
    const events = [
      ...postureEvents(at, c.host.name, container, 'create', postureOfDockerInspect(inspect)),
      trustEvent(at, c.host.name, container, 'create', {
        status: verdict.status,
        pass: verdict.status === 'verified',
        image: c.image,
        repository: c.image.replace(/:[^/:]*$/, ''),
        method: 'cosign',
        signers: [],
        reasons: [verdict.reason],
        signatures: [],
        id: c.id,
        alert: verdict.status !== 'verified',
        checkedAt: at,
        cached: false,
      }),
    ];
    for (const e of events) this.add(at, 'container', c.host.name, e);
  }

  /** A file written by a process in a container, from a container-aware endpoint sensor (ECS). */
  containerFile(at: number, c: Container, path: string, executable: string, pid: number): void {
    this.add(at, 'container', c.host.name, {
      '@timestamp': new Date(at).toISOString(),
      'event.module': 'endpoint',
      'event.category': 'file',
      'event.action': 'creation',
      'host.name': c.host.name,
      'host.os.type': 'linux',
      'file.path': path,
      'process.executable': executable,
      'process.pid': pid,
      'user.name': 'root',
      'container.id': c.id,
      'container.image.name': c.image,
    });
  }

  /** Zeek's own fields, with the ECS names a shipper adds beside them (which Vigil's columns read). */
  private zeek(
    at: number,
    dataset: string,
    src: Host,
    dst: { ip: string; port: number },
    proto: string,
  ): JsonObject {
    const sport = this.r.int(49152, 65535);
    return {
      ts: at / 1000,
      uid: `C${this.r.upper(17)}`,
      'id.orig_h': src.ip,
      'id.orig_p': sport,
      'id.resp_h': dst.ip,
      'id.resp_p': dst.port,
      proto,
      '@timestamp': new Date(at).toISOString(),
      'event.module': 'zeek',
      'event.dataset': dataset,
      'observer.name': this.observer,
      'source.ip': src.ip,
      'source.port': sport,
      'destination.ip': dst.ip,
      'destination.port': dst.port,
      'network.transport': proto,
    };
  }

  /** A finished TCP connection seen by the network sensor. */
  conn(
    at: number,
    src: Host,
    dst: { ip: string; port: number; service?: string },
    bytes: { out: number; in: number },
  ): void {
    const service = dst.service ?? (dst.port === 443 ? 'ssl' : '-');
    const duration = this.r.int(20, 90_000) / 1000;
    this.add(at, 'network', src.name, {
      ...this.zeek(at, 'zeek.conn', src, dst, 'tcp'),
      service,
      duration,
      orig_bytes: bytes.out,
      resp_bytes: bytes.in,
      conn_state: 'SF',
      'network.protocol': service,
      'source.bytes': bytes.out,
      'destination.bytes': bytes.in,
    });
  }

  /** A DNS query and its answers, seen by the network sensor. */
  dnsQuery(at: number, src: Host, resolver: string, name: string, answers: readonly string[]): void {
    this.add(at, 'network', src.name, {
      ...this.zeek(at, 'zeek.dns', src, { ip: resolver, port: 53 }, 'udp'),
      // Zeek's dns.log as it writes it: flags and the reserved Z bit (0 in real resolver traffic).
      trans_id: Math.floor((at / 7) % 65536),
      rtt: 0.004,
      query: name,
      qclass: 1,
      qclass_name: 'C_INTERNET',
      qtype: 1,
      qtype_name: 'A',
      rcode: 0,
      rcode_name: 'NOERROR',
      AA: false,
      TC: false,
      RD: true,
      RA: true,
      Z: 0,
      answers: [...answers],
      TTLs: answers.map(() => 300),
      rejected: false,
      'network.protocol': 'dns',
      'dns.question.name': name,
      'dns.question.type': 'A',
      'dns.response_code': 'NOERROR',
    });
  }
}
