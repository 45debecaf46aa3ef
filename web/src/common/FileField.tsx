import { Field } from '@fluentui/react-components';

/**
 * A file chooser with a Fluent label and hint. The native input is kept: it is what keyboards,
 * screen readers and browser automation all know how to operate.
 */
export function FileField({
  label,
  hint,
  accept,
  onFile,
  required,
}: {
  label: string;
  hint?: string;
  accept: string;
  onFile: (file: File | undefined) => void;
  required?: boolean;
}) {
  return (
    <Field label={label} hint={hint} required={required}>
      {(props) => <input {...props} type="file" accept={accept} onChange={(e) => onFile(e.target.files?.[0])} />}
    </Field>
  );
}
