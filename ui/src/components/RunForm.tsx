import Autocomplete from '@mui/material/Autocomplete';
import Button from '@mui/material/Button';
import FormControlLabel from '@mui/material/FormControlLabel';
import MenuItem from '@mui/material/MenuItem';
import Stack from '@mui/material/Stack';
import Switch from '@mui/material/Switch';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useEffect, useMemo, useState } from 'react';
import { ARM_PLATFORMS, checkImageReference, type LocalImage, type PullRequest, type RunRequest } from '@arm-runner/contract';

interface PortRow {
  containerPort: string;
  protocol: 'tcp' | 'udp';
  hostPort: string;
  /** True for ports that come from the image's EXPOSE, whose container port is fixed. */
  exposed: boolean;
}

interface Props {
  images: LocalImage[];
  busy: boolean;
  onRun: (request: RunRequest) => void;
  onPull: (request: PullRequest) => void;
  onSample: () => void;
  /** The digest reference of the last pull, which the form takes as its image. */
  pulledImage?: string;
}

const IMAGE_DEFAULT_PLATFORM = '';

function portNumberError(value: string, allowZero: boolean): string | undefined {
  if (value.trim() === '') {
    return undefined;
  }
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || number > 65535 || (!allowZero && number === 0)) {
    return allowZero ? 'Use 1 to 65535, or leave empty for a free port.' : 'Use 1 to 65535.';
  }
  return undefined;
}

function rowsFor(image: LocalImage | undefined): PortRow[] {
  if (image === undefined || image.exposedPorts.length === 0) {
    return [{ containerPort: '', protocol: 'tcp', hostPort: '', exposed: false }];
  }
  return image.exposedPorts.map((port) => ({ containerPort: String(port.containerPort), protocol: port.protocol, hostPort: '', exposed: true }));
}

/** Renders the run form: image, platform, port mappings, LAN switch, Run and the sample. */
export function RunForm({ images, busy, onRun, onPull, onSample, pulledImage }: Props) {
  const [imageInput, setImageInput] = useState('');
  const [platform, setPlatform] = useState(IMAGE_DEFAULT_PLATFORM);
  const [ports, setPorts] = useState<PortRow[]>(rowsFor(undefined));
  const [exposeOnLan, setExposeOnLan] = useState(false);

  const selected = useMemo(() => images.find((image) => image.reference === imageInput.trim()), [images, imageInput]);
  const referenceCheck = imageInput.trim() === '' ? undefined : checkImageReference(imageInput.trim());
  const imageError = referenceCheck !== undefined && !referenceCheck.ok ? `Not a valid image reference: ${referenceCheck.reason}.` : undefined;

  const portErrors = ports.map((row) => ({
    containerPort: row.exposed ? undefined : portNumberError(row.containerPort, false),
    hostPort: portNumberError(row.hostPort, true),
  }));
  const hasPortError = portErrors.some((errors) => errors.containerPort !== undefined || errors.hostPort !== undefined);
  // A local image without EXPOSE cannot run until the user says where it listens.
  const missingPort = selected !== undefined && selected.exposedPorts.length === 0 && ports.every((row) => row.containerPort.trim() === '');
  const canRun = !busy && referenceCheck?.ok === true && !hasPortError && !missingPort;

  const chooseImage = (value: string): void => {
    setImageInput(value);
    const image = images.find((candidate) => candidate.reference === value.trim());
    setPorts(rowsFor(image));
    setPlatform(image?.platform ?? IMAGE_DEFAULT_PLATFORM);
  };

  useEffect(() => {
    if (pulledImage !== undefined) {
      setImageInput(pulledImage);
    }
  }, [pulledImage]);

  // The image list can arrive after the user typed a reference. Then the
  // typed image's ports and platform are filled in, unless the user already
  // entered a port.
  const selectedId = selected?.id;
  useEffect(() => {
    if (selected === undefined) {
      return;
    }
    setPorts((current) => (current.some((row) => row.exposed || row.containerPort !== '' || row.hostPort !== '') ? current : rowsFor(selected)));
    setPlatform((current) => (current === IMAGE_DEFAULT_PLATFORM ? selected.platform : current));
    // Keyed on the image id, so that a poll that returns the same image changes nothing.
  }, [selectedId]);

  // A reference that is not a local image can be pulled, one platform at a time.
  const canPull = !busy && referenceCheck?.ok === true && selected === undefined && platform !== IMAGE_DEFAULT_PLATFORM;

  const updatePort = (index: number, change: Partial<PortRow>): void => {
    setPorts((current) => current.map((row, rowIndex) => (rowIndex === index ? { ...row, ...change } : row)));
  };

  const submit = (): void => {
    const publish = ports
      .filter((row) => row.exposed || row.containerPort.trim() !== '')
      .filter((row) => !row.exposed || row.hostPort.trim() !== '')
      .map((row) => ({
        containerPort: Number(row.containerPort),
        hostPort: row.hostPort.trim() === '' ? 0 : Number(row.hostPort),
        protocol: row.protocol,
      }));
    onRun({
      image: imageInput.trim(),
      ...(platform === IMAGE_DEFAULT_PLATFORM ? {} : { platform }),
      publish,
      exposeOnLan,
    });
  };

  const platformOptions = selected === undefined ? [...ARM_PLATFORMS] : [selected.platform];

  return (
    <Stack spacing={2} component="form" aria-label="Run an ARM image" onSubmit={(event) => { event.preventDefault(); if (canRun) submit(); }}>
      <Typography variant="h3">Run an ARM image</Typography>
      <Autocomplete
        freeSolo
        options={images.map((image) => image.reference)}
        inputValue={imageInput}
        onInputChange={(_event, value) => chooseImage(value)}
        renderOption={(props, option) => {
          const image = images.find((candidate) => candidate.reference === option);
          // MUI puts a key inside props (typed any), and React wants keys passed
          // directly, not spread, so it is dropped and the option is the key.
          const optionProps: Record<string, unknown> = { ...props };
          delete optionProps.key;
          return (
            <li key={option} {...optionProps}>
              <Stack>
                <span>{option}</span>
                <Typography variant="caption" color="text.secondary">
                  {image?.platform}
                </Typography>
              </Stack>
            </li>
          );
        }}
        renderInput={(params) => (
          <TextField
            {...params}
            label="Image"
            placeholder="arm-runner-sample:armv7"
            error={imageError !== undefined}
            helperText={imageError ?? (selected === undefined ? 'A local ARM image: pick one or type its reference.' : `Local image, ${selected.platform}`)}
          />
        )}
      />

      <TextField
        select
        label="Platform"
        value={platform}
        onChange={(event) => setPlatform(event.target.value)}
        helperText={
          selected === undefined
            ? "Checked against the image's own platform, never substituted. Choose one to pull exactly that platform from a registry."
            : 'This image has one platform.'
        }
      >
        {selected === undefined && <MenuItem value={IMAGE_DEFAULT_PLATFORM}>The image&apos;s own platform</MenuItem>}
        {platformOptions.map((option) => (
          <MenuItem key={option} value={option}>
            {option}
          </MenuItem>
        ))}
      </TextField>

      <Stack spacing={1}>
        <Typography variant="subtitle2">Ports</Typography>
        {ports.map((row, index) => (
          <Stack key={index} direction="row" spacing={1}>
            {row.exposed ? (
              <Typography sx={{ minWidth: 140, alignSelf: 'center' }}>
                {row.containerPort}/{row.protocol} (EXPOSE)
              </Typography>
            ) : (
              <TextField
                size="small"
                label="Container port"
                value={row.containerPort}
                onChange={(event) => updatePort(index, { containerPort: event.target.value })}
                error={portErrors[index]?.containerPort !== undefined}
                helperText={
                  portErrors[index]?.containerPort ??
                  (selected === undefined ? 'Optional: a port the program listens on.' : 'This image exposes no port: where does it listen?')
                }
              />
            )}
            <TextField
              size="small"
              label={row.exposed ? `Host port for ${row.containerPort}/${row.protocol}` : 'Host port'}
              placeholder="free port"
              value={row.hostPort}
              onChange={(event) => updatePort(index, { hostPort: event.target.value })}
              error={portErrors[index]?.hostPort !== undefined}
              helperText={portErrors[index]?.hostPort ?? 'Empty: a free port of 1024 or more.'}
            />
          </Stack>
        ))}
        {(ports.length === 0 || !ports[0]?.exposed) && (
          <Button size="small" sx={{ alignSelf: 'flex-start' }} onClick={() => setPorts((current) => [...current, ...rowsFor(undefined)])}>
            Add port
          </Button>
        )}
      </Stack>

      <FormControlLabel
        control={<Switch checked={exposeOnLan} onChange={(event) => setExposeOnLan(event.target.checked)} />}
        label={exposeOnLan ? 'Expose on LAN: ports listen on all interfaces' : 'Expose on LAN (off: ports listen on 127.0.0.1 only)'}
      />

      <Stack direction="row" spacing={2}>
        <Button type="submit" variant="contained" disabled={!canRun}>
          Run
        </Button>
        <Button variant="outlined" disabled={!canPull} onClick={() => onPull({ image: imageInput.trim(), platform })}>
          {platform === IMAGE_DEFAULT_PLATFORM ? 'Pull' : `Pull ${platform}`}
        </Button>
        <Button variant="outlined" disabled={busy} onClick={onSample}>
          Try the sample
        </Button>
      </Stack>
    </Stack>
  );
}
