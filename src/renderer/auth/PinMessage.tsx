/**
 * The message under a PIN box. While a countdown ticks, the visible text is not a live region
 * (it would be read out every second); the `announcement` is read out once instead.
 */
export function PinMessage({
  id,
  testId,
  className,
  message,
  ticking,
  announcement,
}: {
  id: string;
  testId: string;
  className: string;
  message: string | null;
  ticking: boolean;
  announcement: string | null;
}) {
  return (
    <>
      {message ? (
        <p id={id} className={className} role={ticking ? undefined : 'alert'} data-testid={testId}>
          {message}
        </p>
      ) : null}
      {ticking && announcement ? (
        <p className="sr-only" role="alert">
          {announcement}
        </p>
      ) : null}
    </>
  );
}
