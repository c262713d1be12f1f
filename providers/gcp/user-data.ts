/** The `user-data` metadata value of an instance: the user's as is (keys go in the `ssh-keys` metadata). */
export function gceUserData<T extends string | undefined>(userData: T): T {
  return userData;
}
