/** The user data a droplet receives: the user's as is (keys go in through the API). */
export function dropletUserData<T extends string | undefined>(userData: T): T {
  return userData;
}
