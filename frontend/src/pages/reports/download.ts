// Saving an export: the file comes through the API client (it carries the bearer token, which a
// plain link cannot), then a temporary object URL is "clicked" so the browser saves it.
import type { ApiClient } from '../../api';
import { downloadName } from './query';

export async function saveDownload(client: ApiClient, path: string, fallbackName: string): Promise<string> {
  const { blob, headers } = await client.file(path);
  const name = downloadName(headers.get('Content-Disposition'), fallbackName);
  const url = URL.createObjectURL(blob);
  try {
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    a.style.display = 'none';
    document.body.append(a);
    a.click();
    a.remove();
  } finally {
    // Chromium reads the blob asynchronously after the click; let it before revoking.
    setTimeout(() => URL.revokeObjectURL(url), 30_000);
  }
  return name;
}
