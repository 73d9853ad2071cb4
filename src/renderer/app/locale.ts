import { useTranslation } from 'react-i18next';
import { formattingLocale } from './formatting-locale';
import { useSession } from './session-context';

/** The formatting locale of the unlocked till (see formatting-locale.ts). */
export function useLocale(): string {
  const { i18n } = useTranslation();
  const { info } = useSession();
  return formattingLocale(i18n.language, info.storeRegion);
}
