/** A file received from a person, held in memory until it is checked and stored. */
export interface UploadedFile {
  /** The name the person's computer gave it: for display only, never for storage. */
  originalName: string;
  content: Buffer;
}
