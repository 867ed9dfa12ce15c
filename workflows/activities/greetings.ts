/** Activities for the hello example. An activity is any exported function under workflows/activities/. */

export async function SayHello(name: string): Promise<string> {
  return `Hello, ${name}!`;
}
