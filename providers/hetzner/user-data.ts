/** The user data a Hetzner server receives: the user's as is (keys go in through the API). */
export function hetznerUserData<T extends string | undefined>(userData: T): T {
  return userData;
}
