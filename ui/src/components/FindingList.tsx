import Alert from '@mui/material/Alert';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import type { ReactNode } from 'react';
import type { Finding } from '@arm-runner/contract';

interface Props {
  findings: Finding[];
  /** An action button for a finding, where the tab can fix it. */
  actionFor?: (finding: Finding) => ReactNode;
}

/** Shows warnings with their fix, each labelled with its stable code for support and search. */
export function FindingList({ findings, actionFor }: Props) {
  if (findings.length === 0) {
    return null;
  }
  return (
    <Stack spacing={1} sx={{ mt: 1 }}>
      {findings.map((finding) => (
        <Alert key={`${finding.code}:${finding.message}`} severity="warning" action={actionFor?.(finding)} data-code={finding.code}>
          {finding.message}
          {finding.fix !== undefined && (
            <Typography variant="body2" sx={{ mt: 0.5 }}>
              Fix: {finding.fix}
            </Typography>
          )}
        </Alert>
      ))}
    </Stack>
  );
}
