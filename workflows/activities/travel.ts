/** Activities for the trip saga example (bookTrip). They stand in for a flight, a hotel and a payment service. */

export interface Reservation {
  reservation: string;
  price: number;
}

export async function ReserveFlight(traveller: string): Promise<Reservation> {
  return { reservation: `FL-${traveller}`, price: 420 };
}

export async function ReserveHotel(traveller: string): Promise<Reservation> {
  return { reservation: `HT-${traveller}`, price: 180 };
}

/** Declines the card `declined` with an error named `card-declined` (a name with a hyphen, kept whole). */
export async function ChargeCard(input: { card: string; amount: number }): Promise<{ charged: number }> {
  if (input.card === 'declined') {
    const e = new Error(`the card was declined for ${input.amount}`);
    e.name = 'card-declined';
    throw e;
  }
  return { charged: input.amount };
}

export async function CancelFlight(reservation: string): Promise<string> {
  return `cancelled ${reservation}`;
}

export async function CancelHotel(reservation: string): Promise<string> {
  return `cancelled ${reservation}`;
}
