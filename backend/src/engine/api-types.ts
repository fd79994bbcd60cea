// The Engine API fields that ARM Runner reads or sends, named as the API
// names them (API 1.41, dockerd 20.10). The engine sends more fields, and
// types here list only the ones the code uses.

/** A port binding on the host, as in HostConfig.PortBindings and NetworkSettings.Ports. */
export interface PortBinding {
  HostIp: string;
  /** The port number as a string, or '' for the engine to pick one. */
  HostPort: string;
}

/** Port bindings keyed by "<port>/<protocol>", for example "80/tcp". */
export type PortMap = Record<string, PortBinding[] | null>;

export interface ImageConfig {
  Labels?: Record<string, string> | null;
  ExposedPorts?: Record<string, object> | null;
  Entrypoint?: string | string[] | null;
  Cmd?: string | string[] | null;
  Env?: string[] | null;
  WorkingDir?: string;
  User?: string;
}

/** GET /images/{name}/json */
export interface ImageInspect {
  Id: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  Os: string;
  Architecture: string;
  Variant?: string;
  /** Size of the image's layers in bytes. */
  Size?: number;
  Config: ImageConfig;
  RootFS?: { Type: string; Layers?: string[] };
}

/** One entry of GET /images/json */
export interface ImageSummary {
  Id: string;
  RepoTags?: string[] | null;
  Labels?: Record<string, string> | null;
  /** Creation time in seconds since the Unix epoch. */
  Created: number;
  Size?: number;
}

/** GET /containers/{id}/json */
export interface ContainerInspect {
  Id: string;
  /** The container name with a leading slash. */
  Name: string;
  /** The id of the container's image. */
  Image: string;
  /** Creation time as an RFC 3339 string. */
  Created: string;
  State: { Status: string; Running: boolean; ExitCode: number };
  Config: { Labels?: Record<string, string> | null; Image?: string };
  NetworkSettings: { Ports?: PortMap | null };
}

/** One entry of GET /containers/json */
export interface ContainerSummary {
  Id: string;
  /** Container names with a leading slash. */
  Names: string[];
  Image: string;
  Labels: Record<string, string>;
  State: string;
  /** Creation time in seconds since the Unix epoch. */
  Created: number;
  Ports: { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[];
}

/** The body of POST /containers/create. `name` and `platform` go into the query. */
export interface ContainerCreateRequest {
  name?: string;
  platform?: string;
  Image: string;
  Cmd?: string[];
  Entrypoint?: string[];
  Env?: string[];
  Labels?: Record<string, string>;
  ExposedPorts?: Record<string, object>;
  NetworkDisabled?: boolean;
  /** Keeps standard input open for an attached client; with StdinOnce it closes when that client leaves. */
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  HostConfig?: {
    PortBindings?: PortMap;
    Init?: boolean;
    NetworkMode?: string;
    CapAdd?: string[];
    CapDrop?: string[];
    Binds?: string[];
    /** The engine removes the container when it exits. */
    AutoRemove?: boolean;
  };
}

/** GET /containers/{id}/top */
export interface ContainerTop {
  Titles?: string[];
  Processes?: string[][];
}

/** GET /info */
export interface SystemInfo {
  OSType?: string;
  Architecture?: string;
  KernelVersion?: string;
  ServerVersion?: string;
  RegistryConfig?: {
    IndexConfigs?: Record<string, { Name?: string; Secure?: boolean; Mirrors?: string[] }>;
    InsecureRegistryCIDRs?: string[];
  };
}

/** GET /version */
export interface SystemVersion {
  Version: string;
  ApiVersion: string;
}

/** GET /distribution/{name}/json */
export interface DistributionInspect {
  Descriptor: { mediaType: string; digest: string; size?: number };
  Platforms?: { os: string; architecture: string; variant?: string }[] | null;
}

/** Query filters, for example `{ label: ['a=b'] }`. The client sends them as JSON. */
export type EngineFilters = Record<string, string[]>;
