import pkcs11js from 'pkcs11js';

/**
 * Looks into a token with a session of its own (not the vault's), so a test can see what is
 * really stored. Works whether or not a vault in this process has the module open and logged in.
 */
export interface TokenObject {
  class: 'secret' | 'private' | 'public' | 'other';
  id: string;
  label: string;
}

const CLASS_NAMES = new Map<number, TokenObject['class']>([
  [pkcs11js.CKO_SECRET_KEY, 'secret'],
  [pkcs11js.CKO_PRIVATE_KEY, 'private'],
  [pkcs11js.CKO_PUBLIC_KEY, 'public'],
]);

export function withTokenSession<T>(
  token: { modulePath: string; tokenLabel: string; pin: string },
  work: (p: pkcs11js.PKCS11, session: Buffer, slot: Buffer) => T,
  options: { login?: boolean } = {},
): T {
  const p = new pkcs11js.PKCS11();
  p.load(token.modulePath);
  let initialised = true;
  try {
    p.C_Initialize();
  } catch (error) {
    if (!String(error).includes('CKR_CRYPTOKI_ALREADY_INITIALIZED')) throw error;
    initialised = false;
  }
  try {
    const slot = p.C_GetSlotList(true).find((s) => p.C_GetTokenInfo(s).label.trimEnd() === token.tokenLabel);
    if (!slot) throw new Error(`token ${token.tokenLabel} not found`);
    const session = p.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    let loggedIn = options.login !== false;
    try {
      if (loggedIn) {
        try {
          p.C_Login(session, pkcs11js.CKU_USER, token.pin);
        } catch (error) {
          if (!String(error).includes('CKR_USER_ALREADY_LOGGED_IN')) throw error;
          loggedIn = false;
        }
      }
      return work(p, session, slot);
    } finally {
      if (loggedIn) p.C_Logout(session);
      p.C_CloseSession(session);
    }
  } finally {
    if (initialised) p.C_Finalize();
    p.close();
  }
}

/** Every object in the token (public and private), with its class, CKA_ID (hex) and label. */
export function listTokenObjects(token: { modulePath: string; tokenLabel: string; pin: string }): TokenObject[] {
  return withTokenSession(token, (p, session) => {
    p.C_FindObjectsInit(session, []);
    const handles = p.C_FindObjects(session, 10_000);
    p.C_FindObjectsFinal(session);
    return handles.map((handle) => {
      const [cls, id, label] = p.C_GetAttributeValue(session, handle, [
        { type: pkcs11js.CKA_CLASS },
        { type: pkcs11js.CKA_ID },
        { type: pkcs11js.CKA_LABEL },
      ]);
      return {
        class: CLASS_NAMES.get(cls!.value.readUInt32LE(0)) ?? 'other',
        id: id!.value.toString('hex'),
        label: label!.value.toString('utf8'),
      };
    });
  });
}
