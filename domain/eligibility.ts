/**
 * Only administrations and bodies with a public-service mission may use the APIs. The Sirene legal category
 * settles the clear cases: public-law legal persons (categories 71xx to 74xx) are eligible. Everything else is
 * flagged for the instructor to check, never refused outright: a company or an association may hold a
 * public-service mission that no code records.
 */
export type Eligibility = { status: 'eligible' | 'to_review'; reason: string };

export function eligibilityOf(facts: {
  legalCategory: string;
  isAdministration: boolean | null;
}): Eligibility {
  const described = describeCategory(facts.legalCategory);
  if (/^7[1-4]\d\d$/.test(facts.legalCategory)) {
    return { status: 'eligible', reason: `Personne morale de droit public (${described}).` };
  }
  if (facts.isAdministration === true) {
    return {
      status: 'eligible',
      reason: `Administration selon l’annuaire des entreprises (${described}).`,
    };
  }
  return {
    status: 'to_review',
    reason: `${capitalize(described)} : l’éligibilité doit être vérifiée par l’instructeur (mission de service public ?).`,
  };
}

/** The INSEE label of a legal category: the 4-digit one when known, else its 2-digit family's. */
export function legalCategoryLabel(code: string): string {
  return LEVEL_3[code] ?? LEVEL_2[code.slice(0, 2)] ?? unknownCategory(code);
}

function describeCategory(code: string): string {
  const label = LEVEL_3[code] ?? LEVEL_2[code.slice(0, 2)];
  return label === undefined ? lowercaseFirst(unknownCategory(code)) : `catégorie juridique « ${label} »`;
}

function unknownCategory(code: string): string {
  return code.trim() === '' ? 'Catégorie juridique non renseignée' : `Catégorie juridique ${code}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function lowercaseFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** INSEE "catégories juridiques", level II (families). */
const LEVEL_2: Record<string, string> = {
  '10': 'Entrepreneur individuel',
  '21': 'Indivision',
  '22': 'Société créée de fait',
  '23': 'Société en participation',
  '24': 'Fiducie',
  '27': 'Paroisse hors zone concordataire',
  '28': 'Assujetti unique à la TVA',
  '29': 'Autre groupement de droit privé non doté de la personnalité morale',
  '31': 'Personne morale de droit étranger, immatriculée au RCS',
  '32': 'Personne morale de droit étranger, non immatriculée au RCS',
  '41': 'Établissement public ou régie à caractère industriel ou commercial',
  '51': 'Société coopérative commerciale particulière',
  '52': 'Société en nom collectif',
  '53': 'Société en commandite',
  '54': 'Société à responsabilité limitée (SARL)',
  '55': 'Société anonyme à conseil d’administration',
  '56': 'Société anonyme à directoire',
  '57': 'Société par actions simplifiée',
  '58': 'Société européenne',
  '61': 'Caisse d’épargne et de prévoyance',
  '62': 'Groupement d’intérêt économique',
  '63': 'Société coopérative agricole',
  '64': 'Société d’assurance mutuelle',
  '65': 'Société civile',
  '69': 'Autre personne morale de droit privé inscrite au registre du commerce et des sociétés',
  '71': 'Administration de l’État',
  '72': 'Collectivité territoriale',
  '73': 'Établissement public administratif',
  '74': 'Autre personne morale de droit public administratif',
  '81': 'Organisme gérant un régime de protection sociale à adhésion obligatoire',
  '82': 'Organisme mutualiste',
  '83': 'Comité social économique d’entreprise',
  '84': 'Organisme professionnel',
  '85': 'Organisme de retraite à adhésion non obligatoire',
  '91': 'Syndicat de propriétaires',
  '92': 'Association loi 1901 ou assimilé',
  '93': 'Fondation',
  '99': 'Autre personne morale de droit privé',
};

/** INSEE "catégories juridiques", level III: the ones met most often. */
const LEVEL_3: Record<string, string> = {
  '1000': 'Entrepreneur individuel',
  '2110': 'Indivision entre personnes physiques',
  '2120': 'Indivision avec personne morale',
  '2900': 'Autre groupement de droit privé non doté de la personnalité morale',
  '3120': 'Société commerciale étrangère immatriculée au RCS',
  '3205': 'Organisation internationale',
  '3210': 'État, collectivité ou établissement public étranger',
  '3220': 'Société étrangère non immatriculée au RCS',
  '4110': 'Établissement public national à caractère industriel ou commercial doté d’un comptable public',
  '4120': 'Établissement public national à caractère industriel ou commercial non doté d’un comptable public',
  '4130': 'Exploitant public',
  '4140': 'Établissement public local à caractère industriel ou commercial',
  '4150': 'Régie d’une collectivité locale à caractère industriel ou commercial',
  '4160': 'Institution Banque de France',
  '5202': 'Société en nom collectif',
  '5306': 'Société en commandite simple',
  '5308': 'Société en commandite par actions',
  '5415': 'SARL d’économie mixte',
  '5458': 'SARL coopérative ouvrière de production (SCOP)',
  '5485': 'Société d’exercice libéral à responsabilité limitée',
  '5498': 'SARL unipersonnelle',
  '5499': 'Société à responsabilité limitée (sans autre indication)',
  '5505': 'SA à participation ouvrière à conseil d’administration',
  '5510': 'SA nationale à conseil d’administration',
  '5515': 'SA d’économie mixte à conseil d’administration',
  '5546': 'SA de HLM à conseil d’administration',
  '5558': 'SA coopérative ouvrière de production (SCOP) à conseil d’administration',
  '5599': 'SA à conseil d’administration (sans autre indication)',
  '5610': 'SA nationale à directoire',
  '5615': 'SA d’économie mixte à directoire',
  '5699': 'SA à directoire (sans autre indication)',
  '5710': 'Société par actions simplifiée',
  '5720': 'Société par actions simplifiée à associé unique ou société par actions simplifiée unipersonnelle',
  '5785': 'Société d’exercice libéral par actions simplifiée',
  '5800': 'Société européenne',
  '6210': 'Groupement européen d’intérêt économique (GEIE)',
  '6220': 'Groupement d’intérêt économique (GIE)',
  '6317': 'Société coopérative agricole',
  '6411': 'Société d’assurance à forme mutuelle',
  '6540': 'Société civile immobilière',
  '6589': 'Société civile de moyens',
  '6599': 'Autre société civile',
  '7111': 'Autorité constitutionnelle',
  '7112': 'Autorité administrative ou publique indépendante',
  '7113': 'Ministère',
  '7120': 'Service central d’un ministère',
  '7150': 'Service du ministère de la Défense',
  '7160': 'Service déconcentré à compétence nationale d’un ministère (hors Défense)',
  '7171': 'Service déconcentré de l’État à compétence (inter) régionale',
  '7172': 'Service déconcentré de l’État à compétence (inter) départementale',
  '7179': '(Autre) Service déconcentré de l’État à compétence territoriale',
  '7190': 'École nationale non dotée de la personnalité morale',
  '7210': 'Commune et commune nouvelle',
  '7220': 'Département',
  '7225': 'Collectivité et territoire d’Outre-Mer',
  '7229': '(Autre) Collectivité territoriale',
  '7230': 'Région',
  '7312': 'Commune associée et commune déléguée',
  '7313': 'Section de commune',
  '7314': 'Ensemble urbain',
  '7321': 'Association syndicale autorisée',
  '7322': 'Association foncière urbaine',
  '7323': 'Association foncière de remembrement',
  '7331': 'Établissement public local d’enseignement',
  '7340': 'Pôle métropolitain',
  '7341': 'Secteur de commune',
  '7342': 'District urbain',
  '7343': 'Communauté urbaine',
  '7344': 'Métropole',
  '7345': 'Syndicat intercommunal à vocation multiple (SIVOM)',
  '7346': 'Communauté de communes',
  '7347': 'Communauté de villes',
  '7348': 'Communauté d’agglomération',
  '7349': 'Autre établissement public local de coopération non spécialisé ou entente',
  '7351': 'Institution interdépartementale ou entente',
  '7352': 'Institution interrégionale ou entente',
  '7353': 'Syndicat intercommunal à vocation unique (SIVU)',
  '7354': 'Syndicat mixte fermé',
  '7355': 'Syndicat mixte ouvert',
  '7356': 'Commission syndicale pour la gestion des biens indivis des communes',
  '7357': 'Pôle d’équilibre territorial et rural (PETR)',
  '7361': 'Centre communal d’action sociale',
  '7362': 'Caisse des écoles',
  '7363': 'Caisse de crédit municipal',
  '7364': 'Établissement d’hospitalisation',
  '7365': 'Syndicat inter hospitalier',
  '7366': 'Établissement public local social et médico-social',
  '7367': 'Centre intercommunal d’action sociale (CIAS)',
  '7371': 'Office public d’habitation à loyer modéré (OPHLM)',
  '7372': 'Service départemental d’incendie et de secours (SDIS)',
  '7373': 'Établissement public local culturel',
  '7378': 'Régie d’une collectivité locale à caractère administratif',
  '7379': '(Autre) Établissement public administratif local',
  '7381': 'Organisme consulaire',
  '7382': 'Établissement public national ayant fonction d’administration centrale',
  '7383': 'Établissement public national à caractère scientifique culturel et professionnel',
  '7384': 'Autre établissement public national d’enseignement',
  '7385': 'Autre établissement public national administratif à compétence territoriale limitée',
  '7389': 'Établissement public national à caractère administratif',
  '7410': 'Groupement d’intérêt public (GIP)',
  '7430': 'Établissement public des cultes d’Alsace-Lorraine',
  '7450': 'Établissement public administratif, cercle et foyer dans les armées',
  '7470': 'Groupement de coopération sanitaire à gestion publique',
  '7490': 'Autre personne morale de droit administratif',
  '8110': 'Régime général de la Sécurité sociale',
  '8120': 'Régime spécial de Sécurité sociale',
  '8130': 'Institution de retraite complémentaire',
  '8140': 'Mutualité sociale agricole',
  '8190': 'Autre régime de prévoyance sociale',
  '8210': 'Mutuelle',
  '8290': 'Autre organisme mutualiste',
  '8410': 'Syndicat de salariés',
  '8420': 'Syndicat patronal',
  '8450': 'Ordre professionnel ou assimilé',
  '8490': 'Autre organisme professionnel',
  '9110': 'Syndicat de copropriété',
  '9150': 'Association syndicale libre',
  '9210': 'Association non déclarée',
  '9220': 'Association déclarée',
  '9221': 'Association déclarée d’insertion par l’économique',
  '9222': 'Association intermédiaire',
  '9223': 'Groupement d’employeurs',
  '9230': 'Association déclarée, reconnue d’utilité publique',
  '9240': 'Congrégation',
  '9260': 'Association de droit local (Bas-Rhin, Haut-Rhin et Moselle)',
  '9300': 'Fondation',
  '9900': 'Autre personne morale de droit privé',
  '9970': 'Groupement de coopération sanitaire à gestion privée',
};
