import { Modal } from '../ui/Modal';

interface CancelAllDialogProps {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  /** Files not yet uploaded. */
  remaining: number;
  onConfirm: () => void;
}

/** Asks before dropping a batch: an accidental click would throw away a long upload's place in line. */
export function CancelAllDialog({ open, onOpenChange, remaining, onConfirm }: CancelAllDialogProps) {
  return (
    <Modal
      open={open}
      onOpenChange={onOpenChange}
      title="Cancel all uploads?"
      description={`${remaining} ${remaining === 1 ? 'file has' : 'files have'} not finished uploading and will be left out. Files already uploaded stay in Coffer.`}
      footer={
        <>
          <button type="button" className="button" onClick={() => onOpenChange(false)}>
            Keep uploading
          </button>
          <button type="button" className="button button-danger" onClick={onConfirm}>
            Cancel uploads
          </button>
        </>
      }
    />
  );
}
