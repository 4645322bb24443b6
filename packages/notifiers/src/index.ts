// Exports are added here by name as modules land.
export {};
