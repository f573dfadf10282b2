import { describe, expect, it } from 'vitest';
import { describeType, formatBytes, formatDuration, isHiddenName, previewKind } from './format';

describe('formatBytes', () => {
  it('uses binary units with sensible precision', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(200 * 1024 * 1024)).toBe('200 MB');
    expect(formatBytes(2.25 * 1024 ** 3)).toBe('2.25 GB');
    expect(formatBytes(-1)).toBe('—');
  });
});

describe('formatDuration', () => {
  it('reads like a person would say it', () => {
    expect(formatDuration(12.4)).toBe('12 s');
    expect(formatDuration(125)).toBe('2 min 5 s');
    expect(formatDuration(3840)).toBe('1 h 4 min');
    expect(formatDuration(Infinity)).toBe('—');
  });
});

describe('hidden names', () => {
  it('hides AppleDouble and .DS_Store but not other dot files', () => {
    expect(isHiddenName('._photo.jpg')).toBe(true);
    expect(isHiddenName('.DS_Store')).toBe(true);
    expect(isHiddenName('.gitignore')).toBe(false);
    expect(isHiddenName('notes._txt')).toBe(false);
  });
});

describe('types and previews', () => {
  it('describes and previews by MIME type, falling back to the extension', () => {
    expect(describeType('folder', null, 'x')).toBe('Folder');
    expect(describeType('file', 'application/pdf', 'a.pdf')).toBe('PDF document');
    expect(describeType('file', 'image/jpeg', 'a.jpg')).toBe('JPEG image');
    expect(describeType('file', null, 'a.tar')).toBe('TAR file');
    expect(previewKind('image/png', 'a.png')).toBe('image');
    expect(previewKind('video/mp4', 'a.mp4')).toBe('video');
    expect(previewKind('application/octet-stream', 'readme.md')).toBe('text');
    expect(previewKind('application/zip', 'a.zip')).toBeNull();
  });
});
