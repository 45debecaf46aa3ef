import type { Handle, PKCS11, Template } from 'pkcs11js';
import pkcs11js from 'pkcs11js';

/**
 * The slice of pkcs11js the vault calls. Typed as a Pick so a test can hand in a wrapper (fault
 * injection, call counting) in place of a loaded module; only `load`/`close` are left out, since
 * the vault never loads or unloads a module it was given.
 */
export type Pkcs11Api = Pick<
  PKCS11,
  | 'C_Initialize'
  | 'C_Finalize'
  | 'C_GetSlotList'
  | 'C_GetTokenInfo'
  | 'C_OpenSession'
  | 'C_CloseSession'
  | 'C_GetSessionInfo'
  | 'C_Login'
  | 'C_Logout'
  | 'C_FindObjectsInit'
  | 'C_FindObjects'
  | 'C_FindObjectsFinal'
  | 'C_GetAttributeValue'
  | 'C_CreateObject'
  | 'C_DestroyObject'
  | 'C_GenerateKey'
  | 'C_EncryptInit'
  | 'C_EncryptAsync'
  | 'C_DecryptInit'
  | 'C_DecryptAsync'
  | 'C_SignInit'
  | 'C_Sign'
>;

export type { Handle, Template };

/** Constants pkcs11js exports at run time, plus the few its typings leave out. */
export const ck = pkcs11js;
/** CK_RSA_PKCS_OAEP_SOURCE_TYPE: the label is given in the parameters (empty here). */
export const CKZ_DATA_SPECIFIED = 1;
/** Session state of a read/write session whose application is logged in as the user. */
export const CKS_RW_USER_FUNCTIONS = 3;

/** Loads a module with pkcs11js; the caller owns the result and closes it. */
export function loadPkcs11Module(modulePath: string): PKCS11 {
  const module = new pkcs11js.PKCS11();
  try {
    module.load(modulePath);
  } catch (error) {
    throw new Error(
      `The PKCS#11 module ${JSON.stringify(modulePath)} could not be loaded (KEYWARD_PKCS11_MODULE): ${error instanceof Error ? error.message : String(error)}.`,
    );
  }
  return module;
}

/** Every object matching the template, with the search always closed (an open search blocks the session). */
export function findObjects(p: Pkcs11Api, session: Handle, template: Template): Handle[] {
  p.C_FindObjectsInit(session, template);
  try {
    const found: Handle[] = [];
    for (;;) {
      const batch = p.C_FindObjects(session, 64);
      if (batch.length === 0) return found;
      found.push(...batch);
    }
  } finally {
    p.C_FindObjectsFinal(session);
  }
}

/** One attribute's raw value (PKCS#11 booleans come back as one byte). */
export function readAttribute(p: Pkcs11Api, session: Handle, object: Handle, type: number): Buffer {
  const [attribute] = p.C_GetAttributeValue(session, object, [{ type }]);
  if (!attribute) throw new Error('The HSM returned no value for an attribute.');
  return attribute.value;
}
