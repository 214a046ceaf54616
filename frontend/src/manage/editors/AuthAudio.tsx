// An <audio> player for an API audio URL. The browser sends the session cookie the login set;
// when that fails (no cookie), the audio is fetched with the bearer token and played from a blob.
import { useEffect, useRef, useState } from 'react';
import type { ApiClient } from '../../api';

interface Props {
  client: ApiClient;
  src: string;
  label: string;
  preload?: 'none' | 'metadata' | 'auto';
  testId?: string;
}

export function AuthAudio({ client, src, label, preload = 'metadata', testId }: Props) {
  const [blobUrl, setBlobUrl] = useState<string | null>(null);
  const tried = useRef(false);

  useEffect(() => {
    tried.current = false;
    setBlobUrl(null);
  }, [src]);
  useEffect(() => () => {
    if (blobUrl) URL.revokeObjectURL(blobUrl);
  }, [blobUrl]);

  async function fallback() {
    if (tried.current) return;
    tried.current = true;
    try {
      const blob = await client.blob(src);
      setBlobUrl(URL.createObjectURL(blob));
    } catch {
      /* the player shows its own error state */
    }
  }

  return (
    <audio
      controls
      preload={preload}
      src={blobUrl ?? src}
      aria-label={label}
      data-testid={testId}
      onError={() => void fallback()}
    />
  );
}
