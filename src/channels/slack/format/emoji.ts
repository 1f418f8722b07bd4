/** Slack emoji shortcodes (`:tada:`) and code points as Unicode characters. */

// Slack's shortcode names (aliases separated by commas) and their code points. Custom workspace
// emoji are not here: they have no Unicode form and stay as `:name:`.
const EMOJI_TABLE = `
grinning=1f600 smiley=1f603 smile=1f604 grin=1f601 laughing,satisfied=1f606 sweat_smile=1f605
rolling_on_the_floor_laughing,rofl=1f923 joy=1f602 slightly_smiling_face,simple_smile=1f642
upside_down_face=1f643 melting_face=1fae0 wink=1f609 blush=1f60a innocent=1f607
smiling_face_with_3_hearts=1f970 heart_eyes=1f60d star-struck,star_struck=1f929
kissing_heart=1f618 kissing=1f617 relaxed=263a-fe0f kissing_closed_eyes=1f61a
kissing_smiling_eyes=1f619 smiling_face_with_tear=1f972 yum=1f60b stuck_out_tongue=1f61b
stuck_out_tongue_winking_eye=1f61c zany_face=1f92a stuck_out_tongue_closed_eyes=1f61d
money_mouth_face=1f911 hugging_face,hugs=1f917 face_with_hand_over_mouth=1f92d
shushing_face=1f92b thinking_face,thinking=1f914 saluting_face=1fae1 zipper_mouth_face=1f910
face_with_raised_eyebrow=1f928 neutral_face=1f610 expressionless=1f611 no_mouth=1f636
smirk=1f60f unamused=1f612 face_with_rolling_eyes,roll_eyes=1f644 grimacing=1f62c
lying_face=1f925 relieved=1f60c pensive=1f614 sleepy=1f62a drooling_face=1f924 sleeping=1f634
mask=1f637 face_with_thermometer=1f912 face_with_head_bandage=1f915 nauseated_face=1f922
face_vomiting=1f92e sneezing_face=1f927 hot_face=1f975 cold_face=1f976 woozy_face=1f974
dizzy_face=1f635 exploding_head=1f92f face_with_cowboy_hat=1f920 partying_face=1f973
sunglasses=1f60e nerd_face=1f913 face_with_monocle=1f9d0 confused=1f615 worried=1f61f
slightly_frowning_face=1f641 white_frowning_face,frowning_face=2639-fe0f open_mouth=1f62e
hushed=1f62f astonished=1f632 flushed=1f633 pleading_face=1f97a face_holding_back_tears=1f979
frowning=1f626 anguished=1f627 fearful=1f628 cold_sweat=1f630 disappointed_relieved=1f625
cry=1f622 sob=1f62d scream=1f631 confounded=1f616 persevere=1f623 disappointed=1f61e
sweat=1f613 weary=1f629 tired_face=1f62b yawning_face=1f971 triumph=1f624 rage=1f621
angry=1f620 face_with_symbols_on_mouth=1f92c smiling_imp=1f608 imp=1f47f skull=1f480
hankey,poop,shit=1f4a9 clown_face=1f921 ghost=1f47b alien=1f47d robot_face,robot=1f916
smiley_cat=1f63a smile_cat=1f638 joy_cat=1f639 heart_eyes_cat=1f63b see_no_evil=1f648
hear_no_evil=1f649 speak_no_evil=1f64a heart=2764-fe0f orange_heart=1f9e1 yellow_heart=1f49b
green_heart=1f49a blue_heart=1f499 purple_heart=1f49c black_heart=1f5a4 white_heart=1f90d
brown_heart=1f90e broken_heart=1f494
heavy_heart_exclamation_mark_ornament,heart_exclamation=2763-fe0f two_hearts=1f495
revolving_hearts=1f49e heartbeat=1f493 heartpulse=1f497 sparkling_heart=1f496 cupid=1f498
gift_heart=1f49d 100=1f4af anger=1f4a2 boom,collision=1f4a5 dizzy=1f4ab sweat_drops=1f4a6
dash=1f4a8 speech_balloon=1f4ac thought_balloon=1f4ad zzz=1f4a4 wave=1f44b
raised_back_of_hand=1f91a raised_hand_with_fingers_splayed=1f590-fe0f hand,raised_hand=270b
spock-hand=1f596 ok_hand=1f44c pinching_hand=1f90f v=270c-fe0f
crossed_fingers,hand_with_index_and_middle_fingers_crossed=1f91e
the_horns,sign_of_the_horns,metal=1f918 call_me_hand=1f919 point_left=1f448 point_right=1f449
point_up_2=1f446 middle_finger,reversed_hand_with_middle_finger_extended=1f595
point_down=1f447 point_up=261d-fe0f +1,thumbsup=1f44d -1,thumbsdown=1f44e fist=270a
facepunch,punch=1f44a left-facing_fist=1f91b right-facing_fist=1f91c clap=1f44f
raised_hands=1f64c heart_hands=1faf6 open_hands=1f450 palms_up_together=1f932 handshake=1f91d
pray=1f64f writing_hand=270d-fe0f muscle=1f4aa brain=1f9e0 eyes=1f440 eye=1f441-fe0f
shrug,person_shrugging=1f937 man-shrugging=1f937-200d-2642-fe0f
woman-shrugging=1f937-200d-2640-fe0f face_palm,facepalm=1f926
man-facepalming=1f926-200d-2642-fe0f woman-facepalming=1f926-200d-2640-fe0f bow=1f647
raising_hand=1f64b no_good=1f645 ok_woman=1f646 tada=1f389 confetti_ball=1f38a balloon=1f388
gift=1f381 birthday=1f382 trophy=1f3c6 sports_medal,medal=1f3c5 first_place_medal=1f947
white_check_mark=2705 heavy_check_mark=2714-fe0f ballot_box_with_check=2611-fe0f x=274c
negative_squared_cross_mark=274e heavy_multiplication_x=2716-fe0f warning=26a0-fe0f
no_entry=26d4 no_entry_sign=1f6ab question=2753 grey_question=2754
exclamation,heavy_exclamation_mark=2757 grey_exclamation=2755 bangbang=203c-fe0f
interrobang=2049-fe0f heavy_plus_sign=2795 heavy_minus_sign=2796 arrow_right=27a1-fe0f
arrow_left=2b05-fe0f arrow_up=2b06-fe0f arrow_down=2b07-fe0f arrows_counterclockwise=1f504
repeat=1f501 red_circle=1f534 large_orange_circle=1f7e0 large_yellow_circle=1f7e1
large_green_circle=1f7e2 large_blue_circle=1f535 large_purple_circle=1f7e3 white_circle=26aa
black_circle=26ab star=2b50 star2=1f31f sparkles=2728 zap=26a1 fire=1f525 rocket=1f680
bulb=1f4a1 memo,pencil=1f4dd pencil2=270f-fe0f lock=1f512 unlock=1f513 key=1f511 bell=1f514
no_bell=1f515 mag=1f50d link=1f517 paperclip=1f4ce pushpin=1f4cc round_pushpin=1f4cd
date=1f4c5 calendar=1f4c6 spiral_calendar_pad,spiral_calendar=1f5d3-fe0f hourglass=231b
hourglass_flowing_sand=23f3 stopwatch=23f1-fe0f alarm_clock=23f0 email,e-mail=1f4e7
envelope=2709-fe0f inbox_tray=1f4e5 outbox_tray=1f4e4 package=1f4e6 phone,telephone=260e-fe0f
iphone=1f4f1 computer=1f4bb desktop_computer=1f5a5-fe0f keyboard=2328-fe0f printer=1f5a8-fe0f
floppy_disk=1f4be file_folder=1f4c1 open_file_folder=1f4c2 page_facing_up=1f4c4
clipboard=1f4cb bar_chart=1f4ca chart_with_upwards_trend=1f4c8
chart_with_downwards_trend=1f4c9 moneybag=1f4b0 dollar=1f4b5 credit_card=1f4b3 gear=2699-fe0f
wrench=1f527 hammer=1f528 hammer_and_wrench=1f6e0-fe0f shield=1f6e1-fe0f construction=1f6a7
rotating_light=1f6a8 sos=1f198 new=1f195 ok=1f197 cool=1f192 free=1f193 up=1f199
information_source=2139-fe0f sunny=2600-fe0f cloud=2601-fe0f umbrella=2614
snowflake=2744-fe0f rainbow=1f308 coffee=2615 tea=1f375 beer=1f37a beers=1f37b
wine_glass=1f377 pizza=1f355 cake=1f370 cookie=1f36a doughnut=1f369 apple=1f34e
seedling=1f331 four_leaf_clover=1f340 rose=1f339 sunflower=1f33b cat=1f431 dog=1f436
cat2=1f408 dog2=1f415 unicorn_face,unicorn=1f984 tiger=1f42f monkey_face=1f435 bug=1f41b
bee,honeybee=1f41d turtle=1f422 snail=1f40c earth_americas=1f30e earth_africa=1f30d
globe_with_meridians=1f310 house=1f3e0 office=1f3e2 car=1f697 airplane=2708-fe0f train=1f686
`;

const EMOJI = new Map<string, string>();
for (const entry of EMOJI_TABLE.split(/\s+/)) {
  if (!entry) continue;
  const [names, hex] = entry.split('=');
  if (names === undefined || hex === undefined) throw new Error(`emoji table: no '=' in ${entry}`);
  const char = fromCodepoints(hex);
  if (char) for (const name of names.split(',')) EMOJI.set(name, char);
}

export function fromCodepoints(hex: string): string | undefined {
  const points = hex.split('-').map((h) => Number.parseInt(h, 16));
  if (!points.length || points.some((p) => !Number.isInteger(p) || p < 0 || p > 0x10ffff)) {
    return undefined;
  }
  return String.fromCodePoint(...points);
}

/** The Unicode character for a Slack emoji shortcode (without colons), if it is a known one. */
export function emojiFromShortcode(name: string): string | undefined {
  return EMOJI.get(name.toLowerCase().replace(/::skin-tone-\d$/, ''));
}
