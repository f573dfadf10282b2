import { describe, expect, it } from 'vitest';
import { describeEffective, policyChange, rulesForm } from './folderRules';

describe('folder rules form', () => {
  it('starts empty without a policy of its own and round-trips one', () => {
    expect(rulesForm(null)).toEqual({ extensions: '', types: '', maxMb: '', writeOnce: false, maxAgeDays: '' });
    const own = { allowed_extensions: ['pdf', 'zip'], allowed_types: ['image/*'], max_file_bytes: 5 * 1024 ** 2, write_once: true, originals_id: null, max_age_hours: 48 };
    const { originals_id: _kept, ...sent } = own;
    expect(policyChange(rulesForm(own))).toEqual({ ok: true, change: sent });
  });

  it('cleans what people type: dots, case, spaces and repeats; empty is any', () => {
    expect(policyChange({ extensions: '.PDF,  zip pdf', types: '', maxMb: '', writeOnce: false, maxAgeDays: '' })).toEqual({
      ok: true,
      change: { allowed_extensions: ['pdf', 'zip'], allowed_types: null, max_file_bytes: null, write_once: false, max_age_hours: null },
    });
    expect(policyChange({ extensions: '', types: '', maxMb: '-1', writeOnce: false, maxAgeDays: '' })).toEqual({ ok: false, error: 'Enter a size of 0 MB or more, or leave it empty for no limit' });
    expect(policyChange({ extensions: '', types: '', maxMb: '', writeOnce: false, maxAgeDays: '0' })).toMatchObject({ ok: false });
    expect(policyChange({ extensions: '', types: '', maxMb: '', writeOnce: false, maxAgeDays: '1.5' })).toMatchObject({ ok: true, change: { max_age_hours: 36 } });
  });

  it('says what applies and where write-once comes from', () => {
    const effective = { allowed_extensions: ['zip'], allowed_types: null, max_file_bytes: 1024, write_once: true, write_once_folder_id: 'parent', originals_folder_id: null };
    expect(describeEffective(effective, 'child')).toEqual(['Only .zip files', 'Files up to 1 KB', 'Write-once, set on a folder above']);
    expect(describeEffective({ ...effective, write_once_folder_id: 'child' }, 'child').at(-1)).toBe('Write-once, set on this folder');
  });
});
